// GoferProtocol
