// The student-teacher core (activations, networks, sign matrices, K, the parameter error) is part of this module's
// interface, so a client that imports LearningDynamics sees it too.
@_exported import StudentTeacherCore
