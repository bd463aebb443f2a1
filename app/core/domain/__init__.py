"""Domain vocabulary and the rules every record must satisfy before it is written."""
