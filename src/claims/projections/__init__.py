"""Read models fed by the global event order, each writing rows and its position in one transaction."""
