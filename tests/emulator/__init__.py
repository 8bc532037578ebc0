"""Tests of the local Supabase Management API emulator."""
