"""Hardening: bounded readers, semantic checks, clean errors (issue 17)."""
