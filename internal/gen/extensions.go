package gen

// Extensions are the later issues' additions to the story, in the order
// they load: visits before form submissions, submissions before scores,
// scores before hand-offs, hand-offs before deals.
func Extensions(w *World) []Extension {
	var out []Extension
	sales := salesExtension(w)
	for _, e := range []Extension{trackingExtension(w), formsExtension(w), scoringExtension(w),
		handoffExtension(w), webhooksExtension(w), sales, activitiesExtension(w), contractsExtension(w, sales), targetsExtension(w, sales), catalogueExtension(w), quotesExtension(w, sales),
		segmentsExtension(w), emailTemplatesExtension(w), broadcastsExtension(w), sequencesExtension(w), campaignsExtension(w),
		surveysExtension(w), socialExtension(w), marketExtension(w, sales)} {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}
