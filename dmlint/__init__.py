"""dmlint: a linter for Hyper-V virtual machine memory configuration."""

__version__ = "0.1.0"
