"""The mechanisms of one time step, each a function ``step(model)`` acting on whole arrays."""
