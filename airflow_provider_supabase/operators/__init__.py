"""Operators for the Supabase Management API (import each from its own module; this package imports nothing)."""
