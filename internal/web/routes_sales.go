package web

import "renkei/internal/crm"

// salesRoutes are the UI routes of pipelines and deals (later: activities, tasks, contracts, targets).
func (s *server) salesRoutes() []route {
	return []route{
		{"GET", "/sales/deals", crm.PermReadAll, s.boardPage, false},
		{"GET", "/sales/deals/list", crm.PermReadAll, s.dealListPage, false},
		{"GET", "/sales/deals/panel", crm.PermReadAll, s.dealPanel, false},
		{"GET", "/deals/new", crm.PermWriteSales, s.dealNew, false},
		{"POST", "/deals", crm.PermWriteSales, s.dealCreate, false},
		{"GET", "/deals/{id}", crm.PermReadAll, s.dealPage, false},
		{"GET", "/deals/{id}/edit", crm.PermWriteSales, s.dealEdit, false},
		{"POST", "/deals/{id}", crm.PermWriteSales, s.dealUpdate, false},
		{"POST", "/deals/{id}/move", crm.PermWriteSales, s.dealMove, false},
		{"POST", "/deals/{id}/quick", crm.PermWriteSales, s.dealQuick, false},
		{"POST", "/deals/{id}/delete", crm.PermWriteSales, s.dealDelete, false},

		{"GET", "/settings/pipelines", crm.PermSettings, s.pipelinesPage, false},
		{"POST", "/settings/pipelines", crm.PermSettings, s.pipelineCreate, false},
		{"POST", "/settings/pipelines/{id}", crm.PermSettings, s.pipelineRename, false},
		{"POST", "/settings/pipelines/{id}/stages", crm.PermSettings, s.stageSave, false},
		{"POST", "/settings/pipelines/{id}/stages/{stage}/delete", crm.PermSettings, s.stageDelete, false},
	}
}
