pti=on
