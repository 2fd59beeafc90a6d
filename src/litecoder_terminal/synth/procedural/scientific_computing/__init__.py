"""Scientific computing task families: ODEs, fits, linear algebra, units and simulations to stated tolerances."""
