"""The MovCon desktop console (PySide6). The core never imports this package."""
