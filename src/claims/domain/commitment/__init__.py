"""A service commitment's breach, recorded once per run of its clock (the timer asks; the stream refuses twice)."""
