"""Statutory rule packs: pure, versioned, per-jurisdiction rules over plain facts about one vehicle."""
