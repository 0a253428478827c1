// LinuxABI: x86_64 Linux syscall numbers, errno names, flags and struct layouts. No logic.
