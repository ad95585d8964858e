//! The grading protocol and its companions (in progress).
