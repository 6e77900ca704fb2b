//! The closed vocabularies stored as text, one place for all of them (each entity re-exports its own). See
//! [`stored_enum!`](super::stored_enum) for what each declaration brings.

use super::stored_enum;

// attendance
stored_enum! {
    /// 出勤 (present), 迟到 (late), 早退 (left early), 请假 (on approved leave), 旷课 (absent without leave), 不计考勤
    /// (exempt: the session is not required of this trainee, e.g. it was held before they joined the class; set by
    /// staff with a reason, and left out of the trainee's 学时 and limits).
    pub enum AttendanceStatus {
        Present => "present", Late => "late", EarlyLeave => "early_leave", Leave => "leave", Absent => "absent",
        Exempt => "exempt",
    }
}

stored_enum! {
    /// Where a record came from.
    pub enum AttendanceSource {
        /// The trainee scanned the screen's code.
        Scan => "scan",
        /// Entered or corrected by staff (补签, with a reason in the audit trail).
        Staff => "staff",
        /// Marked 旷课 when check-in closed without a record.
        Auto => "auto",
        /// Written by an approved leave request.
        Leave => "leave",
        /// Computed from watched time in an online session's import.
        Online => "online",
    }
}

// online sessions
stored_enum! {
    /// Where an online session is streamed: 腾讯会议, 钉钉直播, 企业微信, or another platform.
    pub enum OnlinePlatform {
        TencentMeeting => "tencent_meeting", Dingtalk => "dingtalk", Wecom => "wecom", Other => "other",
    }
}

stored_enum! {
    /// How a viewer of a meeting export was matched to a trainee (assigned by staff earlier in the class, by phone,
    /// by name), or why not (a name two trainees share, nobody found).
    pub enum ViewerMatch {
        Assigned => "assigned", Phone => "phone", Name => "name", Ambiguous => "ambiguous", NotFound => "not_found",
    }
}

// class sessions
stored_enum! {
    /// 讲授, 现场教学 (on-site teaching at an outside site), 研讨, 在线直播, 晨读/体育, 其他.
    pub enum SessionKind {
        Lecture => "lecture", Onsite => "onsite", Discussion => "discussion", OnlineLive => "online_live",
        Morning => "morning", Other => "other",
    }
}

stored_enum! {
    /// The coordinate system a geofence centre is given in. Maps in China use GCJ-02; GPS and `wx.getLocation` by
    /// default give WGS-84. Stored as given; converted explicitly when compared.
    pub enum CoordSystem { Wgs84 => "wgs84", Gcj02 => "gcj02" }
}

// class staff
stored_enum! {
    /// 班主任 (head teacher) or 组织员 (organiser).
    pub enum StaffRole { HeadTeacher => "head_teacher", Organiser => "organiser" }
}

// completion override
stored_enum! {
    /// An administrator's decision by hand.
    pub enum OverrideKind {
        /// Withhold whatever the rules say.
        Withhold => "withhold",
        /// Allow although the rules withhold.
        Allow => "allow",
        /// Back to the rules.
        Clear => "clear",
    }
}

// discipline record
stored_enum! {
    /// 迟到早退累计, 旷课, 违反作息, 违反廉洁纪律 (banquets, gifts), 课堂纪律/手机, 其他.
    pub enum Category {
        LatenessCumulative => "lateness_cumulative", Absence => "absence", Schedule => "schedule",
        Integrity => "integrity", Classroom => "classroom", Other => "other",
    }
}

stored_enum! {
    /// 轻微, 较重, 严重. Completion rules withhold the certificate at or above a severity.
    #[derive(PartialOrd, Ord)]
    pub enum Severity { Minor => "minor", Serious => "serious", Grave => "grave" }
}

// enrollment
stored_enum! {
    /// On the roster, or withdrawn (退学/退训: kept for the record, out of counts and check-in).
    pub enum EnrollmentStatus { Active => "active", Withdrawn => "withdrawn" }
}

// leave request
stored_enum! {
    /// 病假, 事假, 公假 (official duty).
    pub enum LeaveKind { Sick => "sick", Personal => "personal", Official => "official" }
}

stored_enum! {
    pub enum LeaveStatus {
        Pending => "pending", Approved => "approved", Rejected => "rejected", Cancelled => "cancelled",
    }
}

// leave step
stored_enum! {
    /// The role a step needs, or that an approver acted in.
    pub enum ApproverRole {
        /// 班主任.
        HeadTeacher => "head_teacher",
        /// Any staff member assigned to the class.
        ClassStaff => "class_staff",
        /// 教务 / administrator.
        Admin => "admin",
    }
}

// staff account
stored_enum! {
    pub enum Role {
        /// The whole training base.
        Admin => "admin",
        /// 班主任 / 组织员: only the classes they are assigned to.
        Staff => "staff",
    }
}

// training class
stored_enum! {
    /// 主体班, 专题班, 委托班 (commissioned by another unit), 在线班.
    pub enum ClassKind { Main => "main", Topic => "topic", Commissioned => "commissioned", Online => "online" }
}

stored_enum! {
    pub enum ClassStatus { Draft => "draft", Open => "open", Finished => "finished" }
}

// warning
stored_enum! {
    /// A line a trainee can cross. Each is announced once per trainee.
    #[derive(PartialOrd, Ord)]
    pub enum Threshold {
        /// Leave reached 70 % of the limit.
        Leave70 => "leave_70",
        /// Leave reached the limit (still allowed, one more hour is not).
        Leave100 => "leave_100",
        /// Leave is over the limit: withdrawal under the 条例.
        LeaveOver => "leave_over",
        /// 旷课 reached the class's limit.
        AbsenceReached => "absence_reached",
        /// 旷课 is over the class's limit.
        AbsenceOver => "absence_over",
        /// 迟到 + 早退 reached the class's count.
        LatesReached => "lates_reached",
    }
}

// people on either side
stored_enum! {
    /// A trainee or a staff member: who a token, a message or an attachment belongs to, or who asked for a leave.
    pub enum PartyKind { Trainee => "trainee", Staff => "staff" }
}

stored_enum! {
    /// Who did something in the audit trail.
    pub enum ActorKind { Staff => "staff", Trainee => "trainee", System => "system" }
}

// check-in
// 签到 or 签退.
stored_enum! {
    pub enum CheckinKind { In => "in", Out => "out" }
}

// leave steps
stored_enum! {
    /// What an approver decided at a step.
    pub enum StepDecision { Approved => "approved", Rejected => "rejected" }
}

// notifications
stored_enum! {
    /// What a notification is about; a WeChat subscribe-message template is configured per kind.
    pub enum NoticeKind {
        LeaveResult => "leave_result", LeaveSubmitted => "leave_submitted", Warning => "warning",
        Certificate => "certificate", Evaluation => "evaluation",
    }
}

stored_enum! {
    /// Where an outbox row stands: waiting (or retrying), delivered, not subscribed, or given up.
    pub enum OutboxStatus { Pending => "pending", Sent => "sent", Skipped => "skipped", Failed => "failed" }
}
