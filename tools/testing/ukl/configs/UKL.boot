nosmap
