"""The frozen application's entry point: the same `movcon` command as the installed one."""

from app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
