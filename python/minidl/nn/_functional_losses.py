"""Functional losses (filled in by the nn losses work)."""
__all__ = []
