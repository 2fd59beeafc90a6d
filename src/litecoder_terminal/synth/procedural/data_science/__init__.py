"""Data science task families: cleaning, joining, aggregating and checking tabular data."""
