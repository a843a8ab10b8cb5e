"""Who acts on a case: the routing rules (data), the decisions they make, and the tickets."""
