"""Error injection: corrected-mistake examples whose mistake is proven wrong and whose fix is
proven right, made from verified traces (math: a mutated step; code: a mutated program)."""
