//! Unit tests of the contract engine on hand-made frames.
