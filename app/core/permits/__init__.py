"""Cross-border movement permits: deadlines, standing pre-authorisations, the workflow that
keeps a movement's permits in step with its route, decisions, and the inbox queries."""
