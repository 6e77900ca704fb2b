//! Training classes (培训班), the staff assigned to them, and who may act on which class.

pub mod access;
pub mod model;
pub mod repo;
pub mod service;

pub use access::ClassScope;
pub use model::{ClassKind, ClassStatus, ClassView, StaffAssignment, StaffRole};
