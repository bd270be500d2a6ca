"""`dmlint explain RULE --guest ID`: the catalogue's figures for one guest OS, each with its
source URL and confidence mark (verified / secondary / inferred / unverified), as the guest
OS rules (DM201-DM206) would use them."""

from __future__ import annotations

from dmlint.catalog import Catalog, Figure


def _mb(value) -> str:
    return "no documented figure (not checked)" if value is None else f"{value} MB"


def _row(label: str, value: str, fig: Figure | None = None, status: str | None = None, url: str | None = None) -> str:
    status = status or (fig.status if fig else "")
    url = url or (fig.source if fig else "")
    extra = [t for t in ((fig.note, fig.reason) if fig else ()) if t]
    line = f"  {label}: {value}\n      {status}  {url}"
    return line + "".join(f"\n      note: {t}" for t in extra)


def describe_guest(catalog: Catalog, text: str) -> tuple[str | None, str | None]:
    """(report, None), or (None, why the guest is not understood)."""
    guest, problem = catalog.resolve(text)
    if guest is None:
        return None, problem
    status_of = {src["url"]: src.get("status", "verified") for src in catalog.sources.values()}
    out = [f"Guest OS {guest.label} (catalogue entry {guest.id}); figures with source and confidence:"]
    out.append(_row("minimum RAM to install (DM201)", _mb(guest.min_install_ram.value), guest.min_install_ram))
    for option, _ in guest.other_options:
        other = catalog.guest(f"{guest.id}-{option}")
        label = catalog.option_label(option, guest.family)
        out.append(_row(f"minimum RAM to install, {label} (write {guest.id}-{option})", _mb(other.min_install_ram.value), other.min_install_ram))
    dm = guest.dynamic_memory.value
    dm_text = {True: "supported", False: "not supported", None: "depends on what the name does not say (not checked)"}[dm]
    out.append(_row("dynamic memory (DM202)", dm_text, guest.dynamic_memory))
    out.append(_row("maximum RAM the OS uses (DM203)", _mb(guest.max_ram.value), guest.max_ram))
    if guest.dm_128mb_multiples is not None:
        out.append(_row("multiples of 128 MB with dynamic memory (DM204)", "applies" if guest.dm_128mb_multiples.value else "does not apply", guest.dm_128mb_multiples))
    if guest.requires_source:
        needs = []
        if guest.requires_generation:
            needs.append(f"generation {guest.requires_generation}")
        if guest.requires_min_ram:
            needs.append(f"startup {guest.requires_min_ram} MB")
        if guest.requires_secure_boot:
            needs.append("Secure Boot")
        if guest.requires_tpm:
            needs.append("a virtual TPM")
        if guest.requires_processors:
            needs.append(f"{guest.requires_processors}+ virtual processors")
        out.append(_row("virtual-machine requirements (DM205)", ", ".join(needs), status=status_of.get(guest.requires_source, ""), url=guest.requires_source))
    if guest.bpa_floors is not None:
        floors = catalog.floors
        if guest.bpa_floors.value:
            text_ = f"minimum {floors['minimum']} MB, startup {floors['startup']} MB, maximum {floors['maximum']} MB"
        else:
            text_ = "no Best Practices Analyzer memory rule for this OS"
        out.append(_row("BPA floors with dynamic memory (DM206)", text_, guest.bpa_floors))
    return "\n".join(out), None
