"""Widgets that show the store: lists, detail panes, dialogs."""
