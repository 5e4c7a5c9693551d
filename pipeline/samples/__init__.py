"""The sample county: render canonical report texts into the formats townships send."""
