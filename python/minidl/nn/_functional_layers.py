"""Functional layers (filled in by the nn layers work)."""
__all__ = []
