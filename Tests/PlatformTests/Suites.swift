import Testing

/// Every Platform test traces tasks and waits with waitpid(-1): they must not run in
/// parallel, or one test would reap another's tasks.
@Suite(.serialized, ExclusiveChildren()) struct PlatformTests {}
