"""The Qt-free core: domain rules, the store and its single write path, planning, sync."""
