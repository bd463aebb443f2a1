"""Trust between nations: nation keys, certificates, revocations, authority."""
