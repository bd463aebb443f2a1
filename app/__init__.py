"""MovCon: offline-first console for military mobility coordination."""

__version__ = "0.1.0"
