"""The French pages for policy staff: the contracts, partners, comparisons, the annex, search."""
