"""Pipeline stages, one module or package each; `factory.run` composes them."""
