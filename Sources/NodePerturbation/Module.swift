/// Placeholder until the estimators land.
enum NodePerturbationModule {}
