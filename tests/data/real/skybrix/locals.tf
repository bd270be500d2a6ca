locals {
  size_params = {
    tiny   = { cores = 1, boot_disk_size = 20, memory = 1 }
    small  = { cores = 2, boot_disk_size = 20, memory = 2 }
    medium = { cores = 4, boot_disk_size = 20, memory = 4 }
    large  = { cores = 8, boot_disk_size = 20, memory = 8 }
  }

  # Get parameters for the selected size or default to "small"
  selected_size = var.size != null ? var.size : "small"
  params        = local.size_params[local.selected_size]

  # Safe preset selection. Defaults to "small" if var.size is null
  selected_preset = coalesce(var.size, "small")
  preset_params   = lookup(local.size_params, local.selected_preset, {})

  # Logic: Variable Override > Preset Value > Hardcoded Default
  cores          = coalesce(var.cpu, try(local.preset_params.cores, 2))
  memory         = coalesce(var.memory, try(local.preset_params.memory, 2))
  boot_disk_size = coalesce(var.boot_disk_size, try(local.preset_params.boot_disk_size, 20))


  notes = "Managed by Terraform. Based on image ${var.image_id}."
  // TODO : add labels for project, environment , etc

}