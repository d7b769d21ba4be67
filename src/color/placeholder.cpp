// placeholder: this room is being filled in.
