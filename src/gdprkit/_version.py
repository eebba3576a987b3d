"""The single source of gdprkit's version."""

__version__ = "0.1.0.dev0"
