"""Investigation tools: questionnaires released after debrief, job exploration on ROME 4.0,
enquêtes métier (interviews with professionals). Not the satisfaction surveys (app ``enquetes``)."""
