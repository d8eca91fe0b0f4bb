"""Automatic moderation engines: normalisation, blocklists, toxicity, platform circumvention, AI-text labels,
and the policy evaluator that turns their findings into one recommended action. Pure reads: the only write
(storing a decision) is `reviews.actions.policies.check_content`."""
