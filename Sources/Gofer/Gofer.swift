// Gofer
