"""The pure domain: commands, events, state, decide/evolve and rules. Stdlib + pydantic only."""
