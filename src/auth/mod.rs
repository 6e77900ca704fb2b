//! Who is calling: staff and admin accounts, passwords, bearer tokens. (Trainee identity joins in the classes
//! issue.)

pub mod model;
pub mod password;
pub mod repo;
pub mod service;
pub mod token;
pub mod wechat;

pub use model::{DisplayName, Password, Principal, Role, StaffAccount, StaffPrincipal, TraineePrincipal, Username};
