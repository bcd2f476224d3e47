"""Write use-cases of participation, one module per part: proposals, polls, the budget."""
