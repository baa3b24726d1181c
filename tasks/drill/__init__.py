"""A drill's own world: the drill gateway that plays the liaisons, and the environment a drill run starts."""
