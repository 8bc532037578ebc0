"""Waits on the Management API: the statuses (``statuses``), what each means for a wait, and the checks that
sensors (poke), triggers (deferred) and operators (in-worker waits) all run (``checks``)."""
