"""Places: the offline gazetteer, the geoparser over it, and distances on the globe."""
