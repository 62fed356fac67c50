// the expression view (in progress)
