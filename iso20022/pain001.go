// Package iso20022 writes ISO 20022 payment messages. It knows the message layout and
// nothing of how the payments were decided.
package iso20022

import (
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"time"
)

// Namespace of the credit-transfer initiation message written here.
const Pain001Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"

// Transfer is one credit transfer to a creditor.
type Transfer struct {
	EndToEndID string // at most 35 characters
	Creditor   string // name
	Account    string // the creditor's account identifier
	Amount     string // decimal, in Currency
	Currency   string // ISO 4217
}

// Batch is the transfers paid from one account in one currency on one day.
type Batch struct {
	ID        string
	Debtor    string
	Account   string
	Currency  string
	Execution time.Time
	Transfers []Transfer
	Total     string // sum of the transfers' amounts
}

// Initiation is a pain.001 message: one or more batches.
type Initiation struct {
	MessageID  string // at most 35 characters
	Created    time.Time
	Initiator  string
	Batches    []Batch
	Count      int
	ControlSum string // sum of all amounts
}

type document struct {
	XMLName xml.Name   `xml:"Document"`
	Xmlns   string     `xml:"xmlns,attr"`
	Init    initiation `xml:"CstmrCdtTrfInitn"`
}

type initiation struct {
	GrpHdr groupHeader `xml:"GrpHdr"`
	PmtInf []pmtInf    `xml:"PmtInf"`
}

type groupHeader struct {
	MsgID    string `xml:"MsgId"`
	CreDtTm  string `xml:"CreDtTm"`
	NbOfTxs  int    `xml:"NbOfTxs"`
	CtrlSum  string `xml:"CtrlSum"`
	InitgPty party  `xml:"InitgPty"`
}

type party struct {
	Nm string `xml:"Nm"`
}

type account struct {
	ID  string `xml:"Id>Othr>Id"`
	Ccy string `xml:"Ccy,omitempty"`
}

type pmtInf struct {
	PmtInfID    string        `xml:"PmtInfId"`
	PmtMtd      string        `xml:"PmtMtd"`
	NbOfTxs     int           `xml:"NbOfTxs"`
	CtrlSum     string        `xml:"CtrlSum"`
	ReqdExctnDt string        `xml:"ReqdExctnDt>Dt"`
	Dbtr        party         `xml:"Dbtr"`
	DbtrAcct    account       `xml:"DbtrAcct"`
	DbtrAgt     string        `xml:"DbtrAgt>FinInstnId>Othr>Id"`
	CdtTrfTxInf []creditTrans `xml:"CdtTrfTxInf"`
}

type creditTrans struct {
	EndToEndID string     `xml:"PmtId>EndToEndId"`
	Amt        instructed `xml:"Amt>InstdAmt"`
	Cdtr       party      `xml:"Cdtr"`
	CdtrAcct   account    `xml:"CdtrAcct"`
}

type instructed struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

// WritePain001 writes m as a pain.001.001.09 XML document.
func WritePain001(w io.Writer, m *Initiation) error {
	if len(m.MessageID) > 35 {
		return fmt.Errorf("pain.001: message id %q is longer than 35 characters", m.MessageID)
	}
	if len(m.Batches) == 0 {
		return fmt.Errorf("pain.001: a message needs at least one payment")
	}
	doc := document{Xmlns: Pain001Namespace, Init: initiation{GrpHdr: groupHeader{
		MsgID: m.MessageID, CreDtTm: m.Created.UTC().Format("2006-01-02T15:04:05"), NbOfTxs: m.Count,
		CtrlSum: m.ControlSum, InitgPty: party{m.Initiator},
	}}}
	for _, b := range m.Batches {
		p := pmtInf{PmtInfID: b.ID, PmtMtd: "TRF", NbOfTxs: len(b.Transfers), CtrlSum: b.Total,
			ReqdExctnDt: b.Execution.Format("2006-01-02"), Dbtr: party{b.Debtor},
			DbtrAcct: account{ID: AccountID(b.Account), Ccy: b.Currency}, DbtrAgt: "NOTPROVIDED"}
		for _, t := range b.Transfers {
			if len(t.EndToEndID) > 35 {
				return fmt.Errorf("pain.001: end-to-end id %q is longer than 35 characters", t.EndToEndID)
			}
			p.CdtTrfTxInf = append(p.CdtTrfTxInf, creditTrans{EndToEndID: t.EndToEndID,
				Amt: instructed{Ccy: t.Currency, Value: t.Amount}, Cdtr: party{t.Creditor}, CdtrAcct: account{ID: AccountID(t.Account)}})
		}
		doc.Init.PmtInf = append(doc.Init.PmtInf, p)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// AccountID fits an account identifier into the 34 characters the schema allows: longer
// ones keep a prefix and a hash of the whole, so distinct accounts stay distinct.
func AccountID(id string) string {
	if len(id) <= 34 {
		return id
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return fmt.Sprintf("%.17s%016x", id, h.Sum64())
}
