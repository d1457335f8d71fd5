"""Pipeline stages, one module or package each; `factory.pipeline` and `factory.run` compose them."""
