package crm

import (
	"strings"

	"renkei/internal/emailtpl"
)

// MergeField is a field templates may use ({{family_name}}).
type MergeField struct {
	Key     string
	LabelJA string
	LabelEN string
	Sample  string // shown in the editor's field list
}

// MergeFields are the fields of marketing e-mail templates. Values come
// from MergeData; nothing else reaches a template.
var MergeFields = []MergeField{
	{"family_name", "姓", "Family name", "山田"},
	{"given_name", "名", "Given name", "太郎"},
	{"full_name", "氏名", "Full name", "山田 太郎"},
	{"honorific", "敬称", "Honorific", "様"},
	{"email", "メールアドレス", "E-mail", "taro@example.jp"},
	{"job_title", "役職", "Job title", "部長"},
	{"department", "部署", "Department", "営業部"},
	{"company", "会社名", "Company", "山田商事株式会社"},
	{"owner_name", "担当者名", "Owner's name", "佐藤 花子"},
	{"owner_email", "担当者メール", "Owner's e-mail", "hanako@renkei.example"},
	{"owner_signature", "担当者署名", "Owner's signature", "佐藤 花子\n営業部"},
	{"workspace_name", "自社名", "Our company", "連携株式会社"},
}

// IsMergeField reports whether key is a field of MergeFields.
func IsMergeField(key string) bool {
	for _, f := range MergeFields {
		if f.Key == key {
			return true
		}
	}
	return false
}

// MergeData builds one recipient's field values. owner may be the zero
// User (no owner); signature is the owner's e-mail signature. lang is the
// recipient's language, which orders the full name.
func MergeData(c Contact, company string, owner User, signature string, ws Workspace, lang Language) emailtpl.Data {
	hon := strings.TrimSpace(c.Honorific)
	if hon == "" && lang == LangJA {
		hon = "様"
	}
	name := ws.CompanyName
	if name == "" {
		name = ws.Name
	}
	if company == "" {
		company = c.CompanyName
	}
	return emailtpl.Data{
		"family_name":     c.Family,
		"given_name":      c.Given,
		"full_name":       c.Name(lang),
		"honorific":       hon,
		"email":           c.Email,
		"job_title":       c.JobTitle,
		"department":      c.Department,
		"company":         company,
		"owner_name":      owner.Name,
		"owner_email":     owner.Email,
		"owner_signature": signature,
		"workspace_name":  name,
	}
}
