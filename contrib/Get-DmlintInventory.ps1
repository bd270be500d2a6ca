#Requires -Version 5.1
<#
.SYNOPSIS
    Writes a dmlint inventory: every Hyper-V host and VM of this machine, of named hosts, or
    of a failover cluster, with their memory settings, as one JSON file.

.DESCRIPTION
    dmlint (a linter for Hyper-V VM memory configuration) reads the file this script writes
    and runs its per-VM rules and its fleet pass (DM301-DM306: minimums that do not fit,
    restarts that would need Smart Paging, clusters that cannot absorb a node failure) on
    the live estate:

        dmlint check dmlint-inventory.json
        dmlint fleet --html fleet.html dmlint-inventory.json

    The file holds, under the cmdlets' own property names (sizes in bytes):
      Hosts: ComputerName, MemoryCapacity (Get-VMHost), ClusterName (Get-ClusterNode),
             OSVersion and OSCaption (Win32_OperatingSystem: the Hyper-V version)
      VMs:   Name, ComputerName, State, Generation, Version, IsClustered,
             DynamicMemoryEnabled, MemoryStartup, MemoryMinimum, MemoryMaximum,
             MemoryDemand, MemoryAssigned, Notes (Get-VM), Buffer and Priority (Get-VMMemory)

    It only reads: Get-VMHost, Get-VM, Get-VMMemory, Get-ClusterNode and a CIM query. It runs
    on Windows PowerShell 5.1 and PowerShell 7, and writes UTF-8 without a byte order mark
    whichever it runs on.

.PARAMETER ComputerName
    Hyper-V hosts to read. Default: this computer.

.PARAMETER Cluster
    A failover cluster: its nodes (Get-ClusterNode) are read, and each host is marked with
    the cluster's name. Needs the FailoverClusters module.

.PARAMETER Path
    The file to write. Default: dmlint-inventory.json in the current directory.

.PARAMETER Credential
    Credentials for remote hosts (passed to the CIM session and the Hyper-V cmdlets).

.EXAMPLE
    .\Get-DmlintInventory.ps1
    The local host and its VMs, into .\dmlint-inventory.json.

.EXAMPLE
    .\Get-DmlintInventory.ps1 -Cluster HV-CLUSTER-01 -Path \\share\inventory\hv-cluster-01.json

.EXAMPLE
    .\Get-DmlintInventory.ps1 -ComputerName hv-07, hv-08 -Path hv.json
#>
[CmdletBinding(DefaultParameterSetName = 'Hosts')]
param(
    [Parameter(ParameterSetName = 'Hosts')]
    [string[]] $ComputerName = @($env:COMPUTERNAME),

    [Parameter(ParameterSetName = 'Cluster', Mandatory = $true)]
    [string] $Cluster,

    [string] $Path = 'dmlint-inventory.json',

    [System.Management.Automation.PSCredential] $Credential
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function Get-HostRecord {
    param([string] $Name, [string] $ClusterName)
    $vmHostArgs = @{ ComputerName = $Name }
    $cimArgs = @{ ComputerName = $Name }
    if ($Credential) {
        $vmHostArgs['Credential'] = $Credential
        $cimArgs['Credential'] = $Credential
    }
    $vmHost = Get-VMHost @vmHostArgs
    $session = New-CimSession @cimArgs
    try {
        $os = Get-CimInstance -CimSession $session -ClassName Win32_OperatingSystem
    }
    finally {
        Remove-CimSession -CimSession $session
    }
    [pscustomobject][ordered]@{
        ComputerName   = [string] $vmHost.ComputerName
        MemoryCapacity = [int64] $vmHost.MemoryCapacity
        ClusterName    = $ClusterName
        OSVersion      = [string] $os.Version
        OSCaption      = [string] $os.Caption
    }
}

function Get-VMRecords {
    param([string] $Name)
    $vmArgs = @{ ComputerName = $Name }
    if ($Credential) { $vmArgs['Credential'] = $Credential }
    foreach ($vm in @(Get-VM @vmArgs)) {
        $memory = Get-VMMemory -VM $vm
        [pscustomobject][ordered]@{
            Name                 = [string] $vm.Name
            ComputerName         = [string] $vm.ComputerName
            State                = $vm.State.ToString()  # the name in 5.1 and 7 alike (ConvertTo-Json would write a number)
            Generation           = [int] $vm.Generation
            Version              = [string] $vm.Version
            IsClustered          = [bool] $vm.IsClustered
            DynamicMemoryEnabled = [bool] $vm.DynamicMemoryEnabled
            MemoryStartup        = [int64] $vm.MemoryStartup
            MemoryMinimum        = [int64] $vm.MemoryMinimum
            MemoryMaximum        = [int64] $vm.MemoryMaximum
            MemoryDemand         = [int64] $vm.MemoryDemand
            MemoryAssigned       = [int64] $vm.MemoryAssigned
            Buffer               = [int] $memory.Buffer
            Priority             = [int] $memory.Priority
            Notes                = [string] $vm.Notes
        }
    }
}

$clusterName = $null
$names = $ComputerName
if ($PSCmdlet.ParameterSetName -eq 'Cluster') {
    Import-Module FailoverClusters
    $clusterName = $Cluster
    $nodes = @(Get-ClusterNode -Cluster $Cluster)
    $names = @()
    foreach ($node in $nodes) {
        if ($node.State.ToString() -eq 'Up') {
            $names += [string] $node.Name
        }
        else {
            Write-Warning ("node {0} is {1}: not read (the fleet pass sees the cluster without it)" -f $node.Name, $node.State)
        }
    }
}

$hostRecords = @()
$vmRecords = @()
foreach ($name in $names) {
    Write-Verbose "reading $name"
    $hostRecords += Get-HostRecord -Name $name -ClusterName $clusterName
    $vmRecords += @(Get-VMRecords -Name $name)
}

$inventory = [ordered]@{
    Format        = 'dmlint-inventory'
    FormatVersion = 1
    CollectedAt   = (Get-Date).ToUniversalTime().ToString('o')
    Hosts         = @($hostRecords)
    VMs           = @($vmRecords)
}
# -InputObject (not the pipeline) keeps a one-element list a list; -Depth 4 leaves no object
# cut off to its type name
$json = ConvertTo-Json -InputObject $inventory -Depth 4
$fullPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
[System.IO.File]::WriteAllText($fullPath, $json, (New-Object System.Text.UTF8Encoding -ArgumentList $false))
Write-Host ("wrote {0}: {1} host(s), {2} VM(s)" -f $fullPath, $hostRecords.Count, $vmRecords.Count)
