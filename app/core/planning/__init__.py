"""Movement planning: route analysis, clearance, march tables, deconfliction, forecasts."""
